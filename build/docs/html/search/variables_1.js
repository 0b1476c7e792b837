var searchData=
[
  ['buf_0',['buf',['../structcosmosb__recv__item.html#ac634bb6507cb71ec98546f82c9fd529c',1,'cosmosb_recv_item']]],
  ['buf_5fsize_1',['buf_size',['../structcosmosb__recv__item.html#ac3e741cafffbd3a0615b4834dd0acf4c',1,'cosmosb_recv_item']]],
  ['buffer_5fid_2',['buffer_id',['../structcosmosb__window.html#a67aa3d112098ff25c75eb43d164a07f2',1,'cosmosb_window']]]
];

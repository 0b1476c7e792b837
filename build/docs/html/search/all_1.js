var searchData=
[
  ['block_5fsize_0',['block_size',['../structcosmosb__arena__config.html#a2357d0267c61eed892d9aeb17a6494c5',1,'cosmosb_arena_config']]],
  ['blocks_5ffree_1',['blocks_free',['../structcosmosb__arena__stats.html#addd8ff5713b1b492af9f53570b4bc584',1,'cosmosb_arena_stats']]],
  ['blocks_5ftotal_2',['blocks_total',['../structcosmosb__arena__stats.html#ac3d9c98fc2626f95d232a640bf663a4c',1,'cosmosb_arena_stats']]],
  ['buf_3',['buf',['../structcosmosb__recv__item.html#ac634bb6507cb71ec98546f82c9fd529c',1,'cosmosb_recv_item']]],
  ['buf_5fsize_4',['buf_size',['../structcosmosb__recv__item.html#ac3e741cafffbd3a0615b4834dd0acf4c',1,'cosmosb_recv_item']]],
  ['buffer_5fid_5',['buffer_id',['../structcosmosb__window.html#a67aa3d112098ff25c75eb43d164a07f2',1,'cosmosb_window']]],
  ['bytes_5fin_5fuse_6',['bytes_in_use',['../structcosmosb__arena__stats.html#af4d37d957802dbd116557016fb00070b',1,'cosmosb_arena_stats']]]
];

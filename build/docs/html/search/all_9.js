var searchData=
[
  ['len_0',['len',['../structcosmosb__msg__info.html#a498a63ca3e776262d5cfbc9851aa48c8',1,'cosmosb_msg_info::len()'],['../structcosmosb__send__item.html#affe727449555d70a10a2d935a4a53f00',1,'cosmosb_send_item::len()']]],
  ['length_1',['length',['../structcosmosb__window.html#a72bb1fd2bbb3a7c1b370b056776be68f',1,'cosmosb_window']]],
  ['libcosmosb_20api_20reference_2',['libcosmosb API reference',['../index.html',1,'']]],
  ['live_5fobjects_3',['live_objects',['../structcosmosb__arena__stats.html#a428ae2fc924169dc7252800afc480439',1,'cosmosb_arena_stats']]],
  ['log_4',['log',['../structcosmosb__platform.html#afb9ea83098746bcb4f01bd8948292e83',1,'cosmosb_platform']]]
];

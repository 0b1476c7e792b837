var searchData=
[
  ['len_0',['len',['../structcosmosb__msg__info.html#a498a63ca3e776262d5cfbc9851aa48c8',1,'cosmosb_msg_info::len()'],['../structcosmosb__send__item.html#affe727449555d70a10a2d935a4a53f00',1,'cosmosb_send_item::len()']]],
  ['libcosmosb_20api_20reference_1',['libcosmosb API reference',['../index.html',1,'']]],
  ['log_2',['log',['../structcosmosb__platform.html#afb9ea83098746bcb4f01bd8948292e83',1,'cosmosb_platform']]]
];

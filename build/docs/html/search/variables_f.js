var searchData=
[
  ['received_0',['received',['../structcosmosb__pipe__stats.html#a0d54198fca6840a3cc7ba81920f3f65f',1,'cosmosb_pipe_stats']]],
  ['rejected_5fcorrupt_1',['rejected_corrupt',['../structcosmosb__pipe__stats.html#a9566a11c281bfbdb846e96d021db0755',1,'cosmosb_pipe_stats']]],
  ['reserved_2',['reserved',['../structcosmosb__msg__info.html#ae27907529f268b77b829dc8152fa6972',1,'cosmosb_msg_info::reserved()'],['../structcosmosb__slot.html#a2fde4656d674faa8697304f2b66818e8',1,'cosmosb_slot::reserved()'],['../structcosmosb__send__item.html#a9aa76402dad87f4f65bc13af99b5043f',1,'cosmosb_send_item::reserved()'],['../structcosmosb__recv__item.html#adfd45530899a955c60804f026c71e2a3',1,'cosmosb_recv_item::reserved()'],['../structcosmosb__wait__token.html#aa55f14fc91fd3f42552593e52acd359a',1,'cosmosb_wait_token::reserved()']]],
  ['rights_3',['rights',['../structcosmosb__window.html#af3c81d979f6669c6e8408212bbc2de47',1,'cosmosb_window']]],
  ['role_4',['role',['../structcosmosb__pipe__stats.html#a784323931b9b3722a9b4f14ead09a01a',1,'cosmosb_pipe_stats']]]
];

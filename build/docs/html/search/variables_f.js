var searchData=
[
  ['received_0',['received',['../structcosmosb__pipe__stats.html#a0d54198fca6840a3cc7ba81920f3f65f',1,'cosmosb_pipe_stats']]],
  ['recoveries_1',['recoveries',['../structcosmosb__arena__stats.html#a82af0f203c2ec7b2cf517ce5ee15e602',1,'cosmosb_arena_stats']]],
  ['rejected_5fcorrupt_2',['rejected_corrupt',['../structcosmosb__pipe__stats.html#a9566a11c281bfbdb846e96d021db0755',1,'cosmosb_pipe_stats']]],
  ['reserved_3',['reserved',['../structcosmosb__arena__config.html#aff6b2ea7975bcb8c8d7275dad0b32f56',1,'cosmosb_arena_config::reserved()'],['../structcosmosb__arena__participant__stats.html#a9e177a1c03ec29f81a0d40db8def8640',1,'cosmosb_arena_participant_stats::reserved()'],['../structcosmosb__msg__info.html#ae27907529f268b77b829dc8152fa6972',1,'cosmosb_msg_info::reserved()'],['../structcosmosb__slot.html#a2fde4656d674faa8697304f2b66818e8',1,'cosmosb_slot::reserved()'],['../structcosmosb__send__item.html#a9aa76402dad87f4f65bc13af99b5043f',1,'cosmosb_send_item::reserved()'],['../structcosmosb__recv__item.html#adfd45530899a955c60804f026c71e2a3',1,'cosmosb_recv_item::reserved()'],['../structcosmosb__wait__token.html#aa55f14fc91fd3f42552593e52acd359a',1,'cosmosb_wait_token::reserved()']]],
  ['rights_4',['rights',['../structcosmosb__window.html#af3c81d979f6669c6e8408212bbc2de47',1,'cosmosb_window']]],
  ['role_5',['role',['../structcosmosb__pipe__stats.html#a784323931b9b3722a9b4f14ead09a01a',1,'cosmosb_pipe_stats']]]
];

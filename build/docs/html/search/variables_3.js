var searchData=
[
  ['data_0',['data',['../structcosmosb__msg__view.html#a5cae4847a920bba28f686a2786463c80',1,'cosmosb_msg_view::data()'],['../structcosmosb__slot.html#a3c2f295fd8115395e7bb7aa2b26eb20b',1,'cosmosb_slot::data()'],['../structcosmosb__send__item.html#a634ff494f30f39dfecc98daeea9d92fd',1,'cosmosb_send_item::data()']]],
  ['data_5fsize_1',['data_size',['../structcosmosb__arena__config.html#a566b4d5d9e2aefd1fcf6fe8924854a60',1,'cosmosb_arena_config::data_size()'],['../structcosmosb__arena__stats.html#adcee192db0aff5474204644e1801b07b',1,'cosmosb_arena_stats::data_size()']]]
];

var searchData=
[
  ['data_0',['data',['../structcosmosb__msg__view.html#a5cae4847a920bba28f686a2786463c80',1,'cosmosb_msg_view::data()'],['../structcosmosb__slot.html#a3c2f295fd8115395e7bb7aa2b26eb20b',1,'cosmosb_slot::data()'],['../structcosmosb__send__item.html#a634ff494f30f39dfecc98daeea9d92fd',1,'cosmosb_send_item::data()']]],
  ['defs_2eh_1',['defs.h',['../defs_8h.html',1,'']]]
];

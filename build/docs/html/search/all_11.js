var searchData=
[
  ['token_5flane_0',['token_lane',['../structcosmosb__msg__view.html#a5731ab1f06f1b9774bf81ad2d9d50922',1,'cosmosb_msg_view::token_lane()'],['../structcosmosb__slot.html#a84e6acc782094af477dbbdc6503e4db5',1,'cosmosb_slot::token_lane()']]],
  ['token_5fseq_1',['token_seq',['../structcosmosb__msg__view.html#ae0c12ad259b45ecf669855cdbe4f1152',1,'cosmosb_msg_view::token_seq()'],['../structcosmosb__slot.html#af939e22038f52d0c99a9af27f853feb4',1,'cosmosb_slot::token_seq()']]],
  ['transfer_2',['transfer',['../structcosmosb__ref.html#ad7513718cb67847b057788d3f4b495cd',1,'cosmosb_ref']]],
  ['transfers_5flive_3',['transfers_live',['../structcosmosb__arena__stats.html#a3bc2bca3e765ce4528fe4c0f544efd0d',1,'cosmosb_arena_stats::transfers_live()'],['../structcosmosb__arena__participant__stats.html#a4007f25730e5e1bff3ddf0270e36a29e',1,'cosmosb_arena_participant_stats::transfers_live()']]],
  ['type_5fid_4',['type_id',['../structcosmosb__msg__info.html#aadb5a75c153751b9ececc5e9e6cf5f0c',1,'cosmosb_msg_info::type_id()'],['../structcosmosb__send__item.html#ae9297da68b1ebe68d9f0dd5d4de98df0',1,'cosmosb_send_item::type_id()']]]
];

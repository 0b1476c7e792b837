var searchData=
[
  ['cosmosb_5farena_5fconfig_0',['cosmosb_arena_config',['../structcosmosb__arena__config.html',1,'']]],
  ['cosmosb_5farena_5fparticipant_5fstats_1',['cosmosb_arena_participant_stats',['../structcosmosb__arena__participant__stats.html',1,'']]],
  ['cosmosb_5farena_5fstats_2',['cosmosb_arena_stats',['../structcosmosb__arena__stats.html',1,'']]],
  ['cosmosb_5fmsg_5finfo_3',['cosmosb_msg_info',['../structcosmosb__msg__info.html',1,'']]],
  ['cosmosb_5fmsg_5fview_4',['cosmosb_msg_view',['../structcosmosb__msg__view.html',1,'']]],
  ['cosmosb_5fpeer_5fcred_5',['cosmosb_peer_cred',['../structcosmosb__peer__cred.html',1,'']]],
  ['cosmosb_5fpipe_5fconfig_6',['cosmosb_pipe_config',['../structcosmosb__pipe__config.html',1,'']]],
  ['cosmosb_5fpipe_5fstats_7',['cosmosb_pipe_stats',['../structcosmosb__pipe__stats.html',1,'']]],
  ['cosmosb_5fplatform_8',['cosmosb_platform',['../structcosmosb__platform.html',1,'']]],
  ['cosmosb_5frecv_5fitem_9',['cosmosb_recv_item',['../structcosmosb__recv__item.html',1,'']]],
  ['cosmosb_5fref_10',['cosmosb_ref',['../structcosmosb__ref.html',1,'']]],
  ['cosmosb_5fsend_5fitem_11',['cosmosb_send_item',['../structcosmosb__send__item.html',1,'']]],
  ['cosmosb_5fslot_12',['cosmosb_slot',['../structcosmosb__slot.html',1,'']]],
  ['cosmosb_5fwait_5ftoken_13',['cosmosb_wait_token',['../structcosmosb__wait__token.html',1,'']]],
  ['cosmosb_5fwindow_14',['cosmosb_window',['../structcosmosb__window.html',1,'']]]
];

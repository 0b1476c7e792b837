var searchData=
[
  ['cosmosb_5fmsg_5finfo_0',['cosmosb_msg_info',['../structcosmosb__msg__info.html',1,'']]],
  ['cosmosb_5fmsg_5fview_1',['cosmosb_msg_view',['../structcosmosb__msg__view.html',1,'']]],
  ['cosmosb_5fpeer_5fcred_2',['cosmosb_peer_cred',['../structcosmosb__peer__cred.html',1,'']]],
  ['cosmosb_5fpipe_5fconfig_3',['cosmosb_pipe_config',['../structcosmosb__pipe__config.html',1,'']]],
  ['cosmosb_5fpipe_5fstats_4',['cosmosb_pipe_stats',['../structcosmosb__pipe__stats.html',1,'']]],
  ['cosmosb_5fplatform_5',['cosmosb_platform',['../structcosmosb__platform.html',1,'']]],
  ['cosmosb_5frecv_5fitem_6',['cosmosb_recv_item',['../structcosmosb__recv__item.html',1,'']]],
  ['cosmosb_5fref_7',['cosmosb_ref',['../structcosmosb__ref.html',1,'']]],
  ['cosmosb_5fsend_5fitem_8',['cosmosb_send_item',['../structcosmosb__send__item.html',1,'']]],
  ['cosmosb_5fslot_9',['cosmosb_slot',['../structcosmosb__slot.html',1,'']]],
  ['cosmosb_5fwait_5ftoken_10',['cosmosb_wait_token',['../structcosmosb__wait__token.html',1,'']]],
  ['cosmosb_5fwindow_11',['cosmosb_window',['../structcosmosb__window.html',1,'']]]
];

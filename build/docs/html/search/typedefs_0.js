var searchData=
[
  ['cosmosb_5ferr_5ft_0',['cosmosb_err_t',['../error_8h.html#a43197c38e06d5ca8c36e799afc83c48d',1,'error.h']]],
  ['cosmosb_5fmsg_5finfo_5ft_1',['cosmosb_msg_info_t',['../pipe_8h.html#a35995f60fb674a405c485346cbbedd8e',1,'pipe.h']]],
  ['cosmosb_5fmsg_5fview_5ft_2',['cosmosb_msg_view_t',['../pipe_8h.html#a806846b0ac4be74d2d0ce638696d1d86',1,'pipe.h']]],
  ['cosmosb_5fpeer_5fcred_5ft_3',['cosmosb_peer_cred_t',['../fdpass_8h.html#a07820babfb8d48dbfffae423c11a9345',1,'fdpass.h']]],
  ['cosmosb_5fpipe_5fconfig_5ft_4',['cosmosb_pipe_config_t',['../pipe_8h.html#aaa391962b86233fcf5a7cb022391b0bb',1,'pipe.h']]],
  ['cosmosb_5fpipe_5fstats_5ft_5',['cosmosb_pipe_stats_t',['../pipe_8h.html#a17cae0402565814aeffba47042656e22',1,'pipe.h']]],
  ['cosmosb_5fpipe_5ft_6',['cosmosb_pipe_t',['../pipe_8h.html#a3b652d71ba0430f106d1d9c41a55c64f',1,'pipe.h']]],
  ['cosmosb_5fplatform_5ft_7',['cosmosb_platform_t',['../platform_8h.html#ac54679da8b923d4c784a45b7e6e349e8',1,'platform.h']]],
  ['cosmosb_5frecv_5fitem_5ft_8',['cosmosb_recv_item_t',['../pipe_8h.html#a0c78c3f2de5f5ca1ed50f3a67e1d7cbe',1,'pipe.h']]],
  ['cosmosb_5fregion_5ft_9',['cosmosb_region_t',['../region_8h.html#af38a13a23cb52def16dc9056c727572d',1,'region.h']]],
  ['cosmosb_5fsend_5fitem_5ft_10',['cosmosb_send_item_t',['../pipe_8h.html#a0e8c2ef08b712e94a456387a44f95a61',1,'pipe.h']]],
  ['cosmosb_5fslot_5ft_11',['cosmosb_slot_t',['../pipe_8h.html#ab15833887438bed018b35d6abe3a5844',1,'pipe.h']]],
  ['cosmosb_5fwait_5ftoken_5ft_12',['cosmosb_wait_token_t',['../pipe_8h.html#a4dba30d8a6ee0fedffd9499a5d8428da',1,'pipe.h']]],
  ['cosmosb_5fwaitset_5ft_13',['cosmosb_waitset_t',['../waitset_8h.html#adf7b9e86fad763e2ff63fea8a45e24ff',1,'waitset.h']]]
];

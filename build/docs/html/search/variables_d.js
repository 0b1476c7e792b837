var searchData=
[
  ['participants_0',['participants',['../structcosmosb__arena__stats.html#a1bf84e8248cdaf16dc678f06cebb98d8',1,'cosmosb_arena_stats']]],
  ['peer_5falive_1',['peer_alive',['../structcosmosb__platform.html#a18f7c58bf27d9e8999f000b1fd807022',1,'cosmosb_platform']]],
  ['pid_2',['pid',['../structcosmosb__peer__cred.html#a4336b50d97e759fde9e145999a2da27d',1,'cosmosb_peer_cred']]],
  ['producer_3',['producer',['../structcosmosb__msg__info.html#a410ba5cbc40d1e777904f6a114fa47e7',1,'cosmosb_msg_info']]],
  ['producers_5fattached_4',['producers_attached',['../structcosmosb__pipe__stats.html#a97579a69b4833106a3343172e58058c0',1,'cosmosb_pipe_stats']]],
  ['producers_5freaped_5',['producers_reaped',['../structcosmosb__pipe__stats.html#a6d561f9c730fbe3dbe284957ce1121d5',1,'cosmosb_pipe_stats']]]
];

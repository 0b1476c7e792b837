var searchData=
[
  ['uid_0',['uid',['../structcosmosb__peer__cred.html#a52b4f78eefc321228da3d08ed0b72dda',1,'cosmosb_peer_cred']]],
  ['urgent_5fcapacity_1',['urgent_capacity',['../structcosmosb__pipe__config.html#a27060fa917083cfe18fb8079cc065f51',1,'cosmosb_pipe_config::urgent_capacity()'],['../structcosmosb__pipe__stats.html#a54c54413a15efe58a81e1003f4d5b23b',1,'cosmosb_pipe_stats::urgent_capacity()']]]
];

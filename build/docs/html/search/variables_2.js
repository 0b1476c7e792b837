var searchData=
[
  ['capacity_0',['capacity',['../structcosmosb__pipe__config.html#a5fbbc125856eb51c2153e6ac2c587f21',1,'cosmosb_pipe_config::capacity()'],['../structcosmosb__slot.html#a47c8c9e72cdb056748837e94720cda4b',1,'cosmosb_slot::capacity()'],['../structcosmosb__pipe__stats.html#ae0723c9db45652ca42d34f957c776d71',1,'cosmosb_pipe_stats::capacity()']]],
  ['ctx_1',['ctx',['../structcosmosb__platform.html#ad5bc6bdc075ebce362af56bc53d1ec35',1,'cosmosb_platform']]]
];

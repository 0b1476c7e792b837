var searchData=
[
  ['queued_0',['queued',['../structcosmosb__pipe__stats.html#a509631a006fbff344564aa6aa160eb80',1,'cosmosb_pipe_stats']]]
];

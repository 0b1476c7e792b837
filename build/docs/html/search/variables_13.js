var searchData=
[
  ['wait32_0',['wait32',['../structcosmosb__platform.html#aad135a3ad51f110ef1dba31bb1a7bd8e',1,'cosmosb_platform']]],
  ['wake32_1',['wake32',['../structcosmosb__platform.html#a86d17978c60fb6b83d125f7aa1b29394',1,'cosmosb_platform']]],
  ['wakeups_5fsent_2',['wakeups_sent',['../structcosmosb__pipe__stats.html#af16aab06d3e3a84bd513c9d820561ef4',1,'cosmosb_pipe_stats']]]
];

var searchData=
[
  ['wait32_0',['wait32',['../structcosmosb__platform.html#aad135a3ad51f110ef1dba31bb1a7bd8e',1,'cosmosb_platform']]],
  ['waitset_2eh_1',['waitset.h',['../waitset_8h.html',1,'']]],
  ['wake32_2',['wake32',['../structcosmosb__platform.html#a86d17978c60fb6b83d125f7aa1b29394',1,'cosmosb_platform']]],
  ['wakeups_5fsent_3',['wakeups_sent',['../structcosmosb__pipe__stats.html#af16aab06d3e3a84bd513c9d820561ef4',1,'cosmosb_pipe_stats']]],
  ['window_2eh_4',['window.h',['../window_8h.html',1,'']]]
];

var searchData=
[
  ['heavy_5fbarrier_0',['heavy_barrier',['../structcosmosb__platform.html#a07030b3e0a0b50352d9cd02d1ca403c8',1,'cosmosb_platform']]],
  ['heavy_5fbarrier_5fregister_1',['heavy_barrier_register',['../structcosmosb__platform.html#ad479d048c5a3166a6eb482c2c58c0122',1,'cosmosb_platform']]]
];

var searchData=
[
  ['notify_0',['notify',['../structcosmosb__platform.html#a6d82342a8172109dc301449b65dea678',1,'cosmosb_platform']]],
  ['now_5fns_1',['now_ns',['../structcosmosb__platform.html#a88fea91335fa8cb0f021ef91a1ea8faf',1,'cosmosb_platform']]]
];

var searchData=
[
  ['yield_0',['yield',['../structcosmosb__platform.html#ae72eadd3e554af9850f60b9784baa902',1,'cosmosb_platform']]]
];

var searchData=
[
  ['zombies_0',['zombies',['../structcosmosb__arena__stats.html#ac700b7429fa7f89a1b0918954b1f3b48',1,'cosmosb_arena_stats']]]
];

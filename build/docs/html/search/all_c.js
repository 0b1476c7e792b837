var searchData=
[
  ['object_0',['object',['../structcosmosb__ref.html#ab8abe6a491f099d629e4bab62080beb0',1,'cosmosb_ref']]],
  ['object_5fbytes_1',['object_bytes',['../structcosmosb__arena__stats.html#aee0016f2e850411bf3a86ec9e7dbb11a',1,'cosmosb_arena_stats']]],
  ['objects_5fheld_2',['objects_held',['../structcosmosb__arena__participant__stats.html#a0e37cf58c3e847df8404b0747129d270',1,'cosmosb_arena_participant_stats']]],
  ['objects_5fper_5fblock_3',['objects_per_block',['../structcosmosb__arena__config.html#a1d73e5807ba4c6c9f8c2e03285adae5d',1,'cosmosb_arena_config']]],
  ['offset_4',['offset',['../structcosmosb__window.html#acfca0eaef188a11358ba22d6f124257c',1,'cosmosb_window']]]
];

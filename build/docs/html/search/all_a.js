var searchData=
[
  ['max_5fparticipants_0',['max_participants',['../structcosmosb__arena__config.html#a850af32e68694254b78ac9b4f9f4a287',1,'cosmosb_arena_config']]],
  ['max_5fproducers_1',['max_producers',['../structcosmosb__pipe__config.html#a6e99cebe8dfc9299d03b450e397a24ab',1,'cosmosb_pipe_config::max_producers()'],['../structcosmosb__pipe__stats.html#ae9f7706c3f9ef0865e7de05736e7eb7e',1,'cosmosb_pipe_stats::max_producers()']]],
  ['max_5ftransfers_2',['max_transfers',['../structcosmosb__arena__config.html#a151a35f5267acc8056fb2899035fc16c',1,'cosmosb_arena_config']]],
  ['mode_3',['mode',['../structcosmosb__pipe__config.html#a3172579f7cbb339cefd9cb9566f65ae8',1,'cosmosb_pipe_config']]]
];

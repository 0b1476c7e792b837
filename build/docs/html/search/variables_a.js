var searchData=
[
  ['max_5fproducers_0',['max_producers',['../structcosmosb__pipe__config.html#a6e99cebe8dfc9299d03b450e397a24ab',1,'cosmosb_pipe_config::max_producers()'],['../structcosmosb__pipe__stats.html#ae9f7706c3f9ef0865e7de05736e7eb7e',1,'cosmosb_pipe_stats::max_producers()']]],
  ['mode_1',['mode',['../structcosmosb__pipe__config.html#a3172579f7cbb339cefd9cb9566f65ae8',1,'cosmosb_pipe_config']]]
];

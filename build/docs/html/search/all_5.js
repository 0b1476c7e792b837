var searchData=
[
  ['fdpass_2eh_0',['fdpass.h',['../fdpass_8h.html',1,'']]],
  ['flags_1',['flags',['../structcosmosb__arena__participant__stats.html#a2b55333b49036e82d23805b07b5fa46b',1,'cosmosb_arena_participant_stats::flags()'],['../structcosmosb__pipe__config.html#a6e30451725becd4f087914ff85163381',1,'cosmosb_pipe_config::flags()'],['../structcosmosb__msg__info.html#a510d2ca5dddfe0903855dda7d4909c00',1,'cosmosb_msg_info::flags()']]],
  ['frozen_5fobjects_2',['frozen_objects',['../structcosmosb__arena__stats.html#ad57ded13e6cb1caafd35e5dc8a53a3c2',1,'cosmosb_arena_stats']]]
];

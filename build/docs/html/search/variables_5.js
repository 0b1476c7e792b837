var searchData=
[
  ['flags_0',['flags',['../structcosmosb__pipe__config.html#a6e30451725becd4f087914ff85163381',1,'cosmosb_pipe_config::flags()'],['../structcosmosb__msg__info.html#a510d2ca5dddfe0903855dda7d4909c00',1,'cosmosb_msg_info::flags()']]]
];

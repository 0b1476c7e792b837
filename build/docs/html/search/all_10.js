var searchData=
[
  ['self_5fid_0',['self_id',['../structcosmosb__arena__participant__stats.html#a8644ce8b86005e83d06f5d515fa3d91b',1,'cosmosb_arena_participant_stats::self_id()'],['../structcosmosb__platform.html#a9216c0230985385211bf1e0ade1c9ac4',1,'cosmosb_platform::self_id()']]],
  ['sent_1',['sent',['../structcosmosb__pipe__stats.html#a6d3ad845ba0896c2e21c69f5c26658e1',1,'cosmosb_pipe_stats']]],
  ['sleeps_2',['sleeps',['../structcosmosb__pipe__stats.html#aa6625eac96a9ded5746f2902ff79d15f',1,'cosmosb_pipe_stats']]],
  ['slice_3',['slice',['../structcosmosb__window.html#a8f9a7c174a2fd09587a21233f64fa91f',1,'cosmosb_window']]],
  ['slot_5fsize_4',['slot_size',['../structcosmosb__pipe__config.html#a896a8214b5d53ca6c3dd00c3f6e27cf6',1,'cosmosb_pipe_config::slot_size()'],['../structcosmosb__pipe__stats.html#a9ac6ecd2309ca5e17c82e550764a8a23',1,'cosmosb_pipe_stats::slot_size()']]],
  ['state_5',['state',['../structcosmosb__arena__participant__stats.html#a8a097411ea35e7036993851cbd879d76',1,'cosmosb_arena_participant_stats']]]
];

var searchData=
[
  ['generation_0',['generation',['../structcosmosb__ref.html#a2c3d019dd38df9e0b11b8390a7a15403',1,'cosmosb_ref::generation()'],['../structcosmosb__window.html#a276ae3ca202b8c41ebc640fde3157abe',1,'cosmosb_window::generation()']]],
  ['gid_1',['gid',['../structcosmosb__peer__cred.html#a72e8cd730fc345239ccf22f4c24d3c1b',1,'cosmosb_peer_cred']]]
];

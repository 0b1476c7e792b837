var searchData=
[
  ['gid_0',['gid',['../structcosmosb__peer__cred.html#a72e8cd730fc345239ccf22f4c24d3c1b',1,'cosmosb_peer_cred']]]
];

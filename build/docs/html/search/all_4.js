var searchData=
[
  ['error_2eh_0',['error.h',['../error_8h.html',1,'']]],
  ['expected_1',['expected',['../structcosmosb__wait__token.html#a3c5527a75f94381ed2168eed88631a7e',1,'cosmosb_wait_token']]]
];

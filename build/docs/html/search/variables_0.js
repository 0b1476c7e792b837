var searchData=
[
  ['addr_0',['addr',['../structcosmosb__wait__token.html#a1897fa7166dd43e88d97ff835807f6e8',1,'cosmosb_wait_token']]]
];

var searchData=
[
  ['addr_0',['addr',['../structcosmosb__wait__token.html#a1897fa7166dd43e88d97ff835807f6e8',1,'cosmosb_wait_token']]],
  ['arena_5fid_1',['arena_id',['../structcosmosb__ref.html#aec1dfc38878511d57cda425d2392aea4',1,'cosmosb_ref']]]
];

var searchData=
[
  ['addr_0',['addr',['../structcosmosb__wait__token.html#a1897fa7166dd43e88d97ff835807f6e8',1,'cosmosb_wait_token']]],
  ['arena_2eh_1',['arena.h',['../arena_8h.html',1,'']]],
  ['arena_5fid_2',['arena_id',['../structcosmosb__ref.html#aec1dfc38878511d57cda425d2392aea4',1,'cosmosb_ref']]],
  ['arena_5flinux_2eh_3',['arena_linux.h',['../arena__linux_8h.html',1,'']]]
];

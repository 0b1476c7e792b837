var searchData=
[
  ['cosmosb_2eh_0',['cosmosb.h',['../cosmosb_8h.html',1,'']]]
];

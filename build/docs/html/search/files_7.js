var searchData=
[
  ['waitset_2eh_0',['waitset.h',['../waitset_8h.html',1,'']]]
];

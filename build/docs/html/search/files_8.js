var searchData=
[
  ['waitset_2eh_0',['waitset.h',['../waitset_8h.html',1,'']]],
  ['window_2eh_1',['window.h',['../window_8h.html',1,'']]]
];

var searchData=
[
  ['defs_2eh_0',['defs.h',['../defs_8h.html',1,'']]]
];

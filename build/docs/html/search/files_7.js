var searchData=
[
  ['version_2eh_0',['version.h',['../version_8h.html',1,'']]]
];

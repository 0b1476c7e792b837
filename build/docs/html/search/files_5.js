var searchData=
[
  ['region_2eh_0',['region.h',['../region_8h.html',1,'']]]
];

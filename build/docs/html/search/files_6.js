var searchData=
[
  ['ref_2eh_0',['ref.h',['../ref_8h.html',1,'']]],
  ['region_2eh_1',['region.h',['../region_8h.html',1,'']]]
];

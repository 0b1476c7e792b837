var searchData=
[
  ['fdpass_2eh_0',['fdpass.h',['../fdpass_8h.html',1,'']]]
];

printf 'hello\n'
printf 'part1'; sleep 0.3; printf 'part2\n'
printf '\n'
printf '<a href="x">&amp;</a> tab\there cr\rbs\\ q" ctl\001\033\177\n'
printf 'bad:\377\376|trunc:\342\202|sur:\355\240\200|over:\300\200|ok:\303\251\360\237\230\200|ls:\342\200\250ps:\342\200\251|fffd:\357\277\275\n'
printf 'to-stderr\n' >&2
sleep 0.3
head -c 40000 /dev/zero | tr '\0' a; printf '\n'
sleep 0.3
head -c 16384 /dev/zero | tr '\0' b; printf '\n'
sleep 0.3
head -c 16383 /dev/zero | tr '\0' c; printf '\n'
sleep 0.3
head -c 16383 /dev/zero | tr '\0' d; printf '\303\251tail\n'
sleep 0.3
printf 'err-partial' >&2
sleep 0.3
printf 'noeol'

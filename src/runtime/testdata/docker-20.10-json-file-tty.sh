printf 'out1\n'
printf 'err1\n' >&2
printf 'cr-only\r'
sleep 0.2
printf 'part'; sleep 0.2; printf 'ial\n'
printf 'noeol'

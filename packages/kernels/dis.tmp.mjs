import binaryen from 'binaryen';
import { readFileSync, writeFileSync } from 'node:fs';
const m = binaryen.readBinary(readFileSync(process.argv[2]));
m.setFeatures(binaryen.Features.All);
writeFileSync(process.argv[3], m.emitText());

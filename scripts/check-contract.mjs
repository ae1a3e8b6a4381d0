/**
 * Check that the constants of src/contract.ts list what schema/api says, in its order:
 * every copy of an enumeration in the schemas, and the terminal statuses (the execution
 * statuses that are also phases). Run by `jlpm check:types`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { ROOT, loadSchemas, pointerGet } from './api-schemas.mjs';

/**
 * Each constant and the places of schema/api that hold the same list.
 */
const COPIES = {
  NOTEBOOK_STATUSES: [
    'response-definitions#/$defs/notebookStatus/enum',
    'notebook-list-query#/properties/status/enum'
  ],
  EXECUTION_STATUSES: ['response-definitions#/$defs/executionStatus/enum'],
  EXECUTION_PHASES: ['response-definitions#/$defs/executionPhase/enum'],
  PRIORITIES: [
    'response-definitions#/$defs/priority/enum',
    'execute-request#/properties/priority/enum'
  ],
  DEFAULT_PRIORITY: ['execute-request#/properties/priority/default'],
  CELL_STATUSES: ['execution#/$defs/cellResult/properties/status/enum'],
  OUTPUT_FORMATS: [
    'notebook#/$defs/integrationSettings/properties/outputFormat/enum',
    'definitions#/$defs/integration/properties/outputFormat/enum'
  ]
};

/**
 * The exports of src/contract.ts, compiled on the spot (it has only type imports).
 */
function loadContract() {
  const file = join(ROOT, 'src', 'contract.ts');
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2020
    },
    fileName: file
  });
  const module = { exports: {} };
  runInNewContext(outputText, { module, exports: module.exports });
  return module.exports;
}

const schemas = new Map(loadSchemas().map(entry => [entry.name, entry.schema]));
const at = place => {
  const [name, pointer] = place.split('#');
  return pointerGet(schemas.get(name), pointer, place);
};
const contract = loadContract();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const problems = [];

for (const [constant, places] of Object.entries(COPIES)) {
  for (const place of places) {
    const expected = at(place);
    if (!same(contract[constant], expected)) {
      problems.push(
        `${constant} is ${JSON.stringify(contract[constant])}; ${place} is ${JSON.stringify(expected)}`
      );
    }
  }
}

const phases = at('response-definitions#/$defs/executionPhase/enum');
const terminal = at('response-definitions#/$defs/executionStatus/enum').filter(
  status => phases.includes(status)
);
if (!same(contract.TERMINAL_STATUSES, terminal)) {
  problems.push(
    `TERMINAL_STATUSES is ${JSON.stringify(contract.TERMINAL_STATUSES)}; the statuses that are also phases are ${JSON.stringify(terminal)}`
  );
}

if (problems.length) {
  console.error('src/contract.ts does not match schema/api:');
  for (const problem of problems) {
    console.error(`  ${problem}`);
  }
  process.exit(1);
}
console.log('src/contract.ts matches schema/api.');

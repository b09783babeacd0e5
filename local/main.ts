/**
 * `npm start`. The local runtime (emulators + the same handlers + the same state machines)
 * is being built; until it lands this compiles the example workflows and says what is coming.
 */
import { compileWorkflow } from '../statemachines/compile.ts';
import { formatProblem, loadWorkspace } from '../statemachines/load.ts';

const workspace = loadWorkspace(process.cwd());
if (workspace.problems.length > 0) {
  for (const p of workspace.problems) console.error(formatProblem(p));
  process.exit(1);
}
for (const { file, workflow } of workspace.workflows) {
  const states = Object.keys(compileWorkflow(workflow).States).length;
  console.log(`compiled ${file}: ${states} states`);
}
console.log(
  '\nThe local runtime (DynamoDB, Step Functions, SES inbox, web UI) is not built yet; nothing is running.',
);

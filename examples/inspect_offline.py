"""Score recorded answers with veracity's Inspect AI scorers, offline (docs/plugins.md)."""

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput
from inspect_ai.solver import Generate, TaskState, solver

from veracity import FactChecker
from veracity.plugins.inspect_ai import citation_quality_scorer, factual_precision_scorer


@solver
def recorded_answer():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.output = ModelOutput.from_content(model="recorded", content=state.metadata["answer"])
        return state

    return solve


contexts = ["The Eiffel Tower in Paris was completed in 1889."]
samples = [
    Sample(
        input="When was the Eiffel Tower completed?",
        metadata={"answer": "The Eiffel Tower was completed in 1889 [1].", "contexts": contexts},
    )
]
checker = FactChecker()
task = Task(
    dataset=samples,
    solver=recorded_answer(),
    scorer=[factual_precision_scorer(checker), citation_quality_scorer(checker)],
)
if __name__ == "__main__":
    [log] = eval(task, model="mockllm/model", display="none", log_dir="/tmp/veracity-inspect-logs")
    print(log.status, [(s.name, {k: round(m.value, 3) for k, m in s.metrics.items()}) for s in log.results.scores])

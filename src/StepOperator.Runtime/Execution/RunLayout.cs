using StepOperator.Artifacts;

namespace StepOperator.Execution;

/// <summary>Where a run keeps things in its artifact store.</summary>
internal static class RunLayout
{
    public static ArtifactKey InvocationFolder(string runId, string invocationId) => ArtifactKey.Combine(runId, "steps", invocationId);

    public static ArtifactKey Invocation(string runId, string invocationId) => InvocationFolder(runId, invocationId).Child("invocation.json");

    public static ArtifactKey Error(string runId, string invocationId) => InvocationFolder(runId, invocationId).Child("error.json");
}

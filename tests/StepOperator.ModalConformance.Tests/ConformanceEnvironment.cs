namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// A conformance test: needs Node.js with npm (Modal's JS SDK), a Docker engine (the emulator's
/// sandboxes) and docker-registry with htpasswd (the private registry). Where one is missing it is
/// skipped with the reason, except in CI (CI=true), where it runs and fails instead.
/// </summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (ConformanceEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>What this machine has for the conformance tests.</summary>
public static class ConformanceEnvironment
{
    /// <summary>tests/modal-conformance: package.json, package-lock.json and conformance.mjs.</summary>
    public static string ScriptDirectory => RepositoryPaths.Combine("tests", "modal-conformance");

    public static string? SkipReason { get; } = DockerTestEnvironment.SkipReason(
        ["node", "npm", .. DockerTestEnvironment.RegistryTools],
        "Node.js 20+ with npm runs Modal's JS SDK, Docker runs the emulator's sandboxes, docker-registry and htpasswd serve the private image");
}

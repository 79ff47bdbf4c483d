namespace StepOperator.Testing;

/// <summary>
/// A test that needs a Docker engine and the base image: skipped with the reason where they are
/// missing, except in CI (CI=true), where it runs and fails instead.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerTestEnvironment.EngineSkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>As <see cref="DockerFactAttribute"/>, for a test with cases.</summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute()
    {
        if (DockerTestEnvironment.EngineSkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A test that also needs a registry with htpasswd auth (docker-registry and htpasswd); skipped or failed like <see cref="DockerFactAttribute"/>.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (DockerTestEnvironment.RegistrySkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>As <see cref="RegistryFactAttribute"/>, for a test with cases.</summary>
public sealed class RegistryTheoryAttribute : TheoryAttribute
{
    public RegistryTheoryAttribute()
    {
        if (DockerTestEnvironment.RegistrySkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

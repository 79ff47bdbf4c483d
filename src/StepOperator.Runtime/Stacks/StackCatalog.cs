using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using StepOperator.Artifacts;
using StepOperator.Images;
using StepOperator.Registries;
using StepOperator.Stacks.Docker;
using StepOperator.Stacks.Local;

namespace StepOperator.Stacks;

/// <summary>
/// The stacks a run can use, by name. <c>local</c> is embedded and needs no configuration;
/// <c>docker</c> runs every step in a container of the program's image.
/// </summary>
public static class StackCatalog
{
    public const string LocalStackName = "local";
    public const string DockerStackName = "docker";

    public const string RegistryVariable = "STEPOPERATOR_REGISTRY";
    public const string RegistryUsernameVariable = "STEPOPERATOR_REGISTRY_USERNAME";
    public const string RegistryPasswordVariable = "STEPOPERATOR_REGISTRY_PASSWORD";
    public const string BaseImageVariable = "STEPOPERATOR_BASE_IMAGE";
    public const string DockerGpusVariable = "STEPOPERATOR_DOCKER_GPUS";

    public static IReadOnlyList<string> Names { get; } = new[] { LocalStackName, DockerStackName };

    /// <summary>Builds the named stack; an unknown name fails with the valid ones.</summary>
    public static Stack Create(string name, string homeDirectory, StackCreationOptions? options = null)
    {
        options ??= new StackCreationOptions();
        var store = new LocalArtifactStore(Path.Combine(homeDirectory, "runs"));
        switch (name)
        {
            case LocalStackName:
            {
                var local = new LocalProcessStepOperator();
                return new Stack(LocalStackName, store, local, local);
            }

            case DockerStackName:
            {
                var docker = new DockerStepOperator(new DockerStepOperatorOptions(ImageRequest(options), GpuPolicy()));
                return new Stack(DockerStackName, store, docker, docker);
            }

            default:
                throw new UnknownNameException($"Unknown stack '{name}'. Available stacks: {string.Join(", ", Names)}.");
        }
    }

    private static ImageBuildRequest ImageRequest(StackCreationOptions options)
    {
        var entry = Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(entry))
        {
            throw new InvalidOperationException("Cannot tell which program is running, so there is no build output to put in an image.");
        }

        return new ImageBuildRequest(
            Path.GetDirectoryName(entry)!,
            Path.GetFileName(entry),
            Variable(BaseImageVariable) ?? ImageBuildRequest.DefaultBaseImage,
            Registry(),
            options.PreventBuildReuse);
    }

    /// <summary>The registry from the environment: STEPOPERATOR_REGISTRY=host[:port][/namespace], with user and password.</summary>
    private static ContainerRegistry? Registry()
    {
        if (Variable(RegistryVariable) is not { } address)
        {
            return null;
        }

        var slash = address.IndexOf('/');
        var server = slash < 0 ? address : address[..slash];
        var ns = slash < 0 ? "stepoperator" : address[(slash + 1)..].Trim('/');
        var user = Variable(RegistryUsernameVariable);
        var password = Variable(RegistryPasswordVariable);
        if ((user is null) != (password is null))
        {
            throw new UnknownNameException(
                $"Registry {server}: set both {RegistryUsernameVariable} and {RegistryPasswordVariable}, or neither for an anonymous registry.");
        }

        return new ContainerRegistry(server, user, password, ns);
    }

    private static DockerGpuPolicy GpuPolicy() => Variable(DockerGpusVariable)?.ToLowerInvariant() switch
    {
        null or "require" => DockerGpuPolicy.Require,
        "ignore" => DockerGpuPolicy.Ignore,
        var other => throw new UnknownNameException($"{DockerGpusVariable}='{other}' is not a GPU policy; use 'require' or 'ignore'."),
    };

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>Run-time choices that shape a stack.</summary>
/// <param name="PreventBuildReuse">Build and push the image even when its tag exists.</param>
public sealed record StackCreationOptions(bool PreventBuildReuse = false);

/// <summary>A stack, pipeline or step name (or setting) that does not exist; the message lists the valid ones.</summary>
public sealed class UnknownNameException(string message) : Exception(message);

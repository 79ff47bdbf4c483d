using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Docker;

/// <summary>The <c>default</c> container registry: any registry that speaks the OCI distribution API (Docker Hub, ghcr.io, ECR, a local one).</summary>
public sealed class DefaultContainerRegistryFlavor : Flavor
{
    public const string FlavorName = "default";

    /// <summary>The registry of the environment: STEPOPERATOR_REGISTRY=host[:port][/namespace].</summary>
    public const string RegistryVariable = "STEPOPERATOR_REGISTRY";

    public const string UsernameVariable = "STEPOPERATOR_REGISTRY_USERNAME";

    public const string PasswordVariable = "STEPOPERATOR_REGISTRY_PASSWORD";

    public override ComponentType Type => ComponentType.ContainerRegistry;

    public override string Name => FlavorName;

    public override string Package => "StepOperator.Docker";

    public override string Description => "A registry the image is pushed to and pulled from (Docker Hub, ghcr.io, Amazon ECR, a registry of your own).";

    public override IReadOnlyList<string> SecretVariables { get; } = new[] { PasswordVariable };

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("Server", "The registry's host and port.") { Required = true, Example = "ghcr.io" },
        new FlavorSetting("Namespace", "The repository prefix under the server (default stepoperator).") { Example = "<user>" },
        new FlavorSetting("Username", "The user to push and pull as; give it with the password, or neither for an anonymous registry.") { Example = "<user>" },
        new FlavorSetting("Password", "The password or token (stored in the user-level file only, shown masked, never passed to a step).") { Example = "<token>" },
    };

    /// <summary>"default" when STEPOPERATOR_REGISTRY names a registry, else null.</summary>
    public static string? FromEnvironmentName() =>
        Environment.GetEnvironmentVariable(RegistryVariable) is { Length: > 0 } ? FlavorName : null;

    public override IEnumerable<string> CheckSettings(ComponentDefinition component, Func<string, string?> stored)
    {
        var hasUser = component.Settings.Keys.Contains("Username", StringComparer.OrdinalIgnoreCase);
        var hasPassword = component.Settings.Keys.Contains("Password", StringComparer.OrdinalIgnoreCase);
        if (hasUser != hasPassword)
        {
            yield return $"{component.Describe()}: give --username and --password together, or neither for an anonymous registry.";
        }
    }

    /// <summary>The registry STEPOPERATOR_REGISTRY names, with STEPOPERATOR_REGISTRY_USERNAME/PASSWORD when both are set.</summary>
    public override IEnumerable<ComponentDefinition> FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(RegistryVariable) is not { Length: > 0 } address)
        {
            yield break;
        }

        var slash = address.IndexOf('/', StringComparison.Ordinal);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Server"] = slash < 0 ? address : address[..slash],
            ["Namespace"] = slash < 0 ? "stepoperator" : address[(slash + 1)..].Trim('/'),
        };
        var hasUser = Environment.GetEnvironmentVariable(UsernameVariable) is { Length: > 0 };
        var hasPassword = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 };
        if (hasUser != hasPassword)
        {
            throw new StackConfigurationException(
                $"Registry from {RegistryVariable}: set both {UsernameVariable} and {PasswordVariable}, or neither for an anonymous registry.");
        }

        if (hasUser)
        {
            settings["Username"] = "env:" + UsernameVariable;
            settings["Password"] = "env:" + PasswordVariable;
        }

        yield return new ComponentDefinition(FlavorName, ComponentType.ContainerRegistry, FlavorName, settings);
    }

    /// <summary>The registry <paramref name="component"/> describes.</summary>
    public ContainerRegistry Create(ComponentDefinition component)
    {
        var user = component.Get("Username");
        var password = component.Get("Password");
        if ((user is null) != (password is null))
        {
            throw new StackConfigurationException(
                $"{component.Describe()}: set both username and password, or neither for an anonymous registry.");
        }

        return new ContainerRegistry(component.Require("Server"), user, password, component.Get("Namespace") ?? "stepoperator");
    }
}

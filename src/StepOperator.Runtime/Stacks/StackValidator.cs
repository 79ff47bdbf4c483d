using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Configuration;
using StepOperator.Registries;
using StepOperator.Stacks.Modal;

namespace StepOperator.Stacks;

/// <summary>
/// Checks a stack and the program's steps before any build or submission, with the seed's rules:
/// a remote step operator needs a remote artifact store, a container registry it can pull from and an image builder;
/// <c>[ModalStep]</c> steps need the stack's step operator, or the one they name. Each problem names
/// the missing component and the command that fixes it.
/// </summary>
public static class StackValidator
{
    /// <summary>How users run the program's commands, for the fixes the messages suggest.</summary>
    public const string CommandPrefix = "dotnet run --";

    public static IReadOnlyList<string> Validate(StackDefinition stack, StackConfiguration configuration, IReadOnlyList<StepDefinition> steps, IReadOnlyDictionary<string, StepSettings> settings)
    {
        var problems = new List<string>();
        var components = new Dictionary<ComponentType, ComponentDefinition>();
        foreach (var type in ComponentTypes.All)
        {
            if (stack.ComponentOf(type) is not { } name)
            {
                continue;
            }

            if (configuration.FindComponent(type, name) is { } component)
            {
                components[type] = component;
                continue;
            }

            var registered = configuration.Components(type).Select(c => c.Name).ToList();
            problems.Add(
                $"Stack '{stack.Name}' uses {type.CommandName()} '{name}', which is not registered " +
                $"(registered: {(registered.Count == 0 ? "none" : string.Join(", ", registered))}). " +
                $"Register it: {CommandPrefix} {type.CommandName()} register {name} --flavor=<{string.Join("|", type.Flavors())}> ..., " +
                $"or choose another: {CommandPrefix} stack update {stack.Name} {type.StackOption()} <name>.");
        }

        var stepOperator = components.GetValueOrDefault(ComponentType.StepOperator);
        var orchestrator = components.GetValueOrDefault(ComponentType.Orchestrator);
        var store = components.GetValueOrDefault(ComponentType.ArtifactStore);
        var runsContainers = stepOperator?.Flavor is "docker" or "modal" || orchestrator?.Flavor == "docker";

        if (stepOperator?.Flavor == "modal")
        {
            if (store is not null && store.Flavor == "local")
            {
                problems.Add(
                    $"Stack '{stack.Name}': step operator '{stepOperator.Name}' runs steps on Modal's machines, which cannot read the local artifact store '{store.Name}'. " +
                    $"Register a remote one: {CommandPrefix} artifact-store register <name> --flavor=s3 --bucket=... (or --flavor=azure), " +
                    $"then: {CommandPrefix} stack update {stack.Name} -a <name>.");
            }

            if (stack.ContainerRegistry is null)
            {
                problems.Add(
                    $"Stack '{stack.Name}': step operator '{stepOperator.Name}' runs steps from an image that Modal pulls from a container registry, and the stack has none. " +
                    $"Register one: {CommandPrefix} container-registry register <name> --flavor=default --server=... --username=... --password=..., " +
                    $"then: {CommandPrefix} stack update {stack.Name} -c <name>.");
            }
            else if (components.GetValueOrDefault(ComponentType.ContainerRegistry) is { } registry && LocalRegistryProblem(stack, stepOperator, registry) is { } local)
            {
                problems.Add(local);
            }
        }

        if (runsContainers && stack.ImageBuilder is null)
        {
            problems.Add(
                $"Stack '{stack.Name}' runs steps in containers but has no image builder to build the step image. " +
                $"Add the built-in one: {CommandPrefix} stack update {stack.Name} -i docker.");
        }

        foreach (var step in steps.Where(s => s.Placement == StepPlacement.Modal))
        {
            var wanted = settings.TryGetValue(step.Name, out var effective) ? effective.StepOperator : step.Settings.StepOperator;
            if (stack.StepOperator is null)
            {
                problems.Add(
                    $"Step '{step.Name}' is a [ModalStep], but stack '{stack.Name}' has no step operator. " +
                    $"Add one: {CommandPrefix} stack update {stack.Name} -s {wanted ?? "<name>"}.");
            }
            else if (wanted is not null && !string.Equals(wanted, stack.StepOperator, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(
                    $"Step '{step.Name}' asks for step operator '{wanted}', but stack '{stack.Name}' has step operator '{stack.StepOperator}'. " +
                    $"Use it in the stack: {CommandPrefix} stack update {stack.Name} -s {wanted}, or change the step's StepOperator.");
            }
        }

        return problems;
    }

    /// <summary>
    /// A registry on this machine's loopback address cannot be pulled from by Modal's servers; it serves only a
    /// Modal server on this machine too (an emulator at MODAL_SERVER_URL=http://127.0.0.1:PORT).
    /// </summary>
    private static string? LocalRegistryProblem(StackDefinition stack, ComponentDefinition stepOperator, ComponentDefinition registry)
    {
        if (registry.Get("Server") is not { } server || !LocalHosts.IsLocal(LocalHosts.HostOfServer(server)))
        {
            return null;
        }

        var modal = ModalServerAddress.Resolve(stepOperator.Get("ServerUrl"));
        if (LocalHosts.IsLocalUrl(modal.Url))
        {
            return null;
        }

        return
            $"Stack '{stack.Name}': container registry '{registry.Name}' is at {server}, an address of this machine only, and step operator '{stepOperator.Name}' " +
            $"runs steps on Modal's servers ({modal.Url}, from {modal.Source}), which cannot pull the step image from it. " +
            $"Use a registry Modal can reach (ghcr.io, Docker Hub, Amazon ECR, ...): {CommandPrefix} container-registry register <name> --flavor=default " +
            $"--server=ghcr.io --namespace=<user> --username=... --password=..., then: {CommandPrefix} stack update {stack.Name} -c <name>. " +
            "(A Modal server on this machine, such as an emulator at MODAL_SERVER_URL=http://127.0.0.1:PORT, can use it.)";
    }
}

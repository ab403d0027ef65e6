"""``disputelib simulate --orders N --seed S --out DIR``: seeded orders, dispute logs and disputes."""

from __future__ import annotations

import argparse
import sys
import time

from disputelib.cli.common import UserError, add_pack, date_arg, whole_number
from disputelib.cli.engine import add_engine, check_engine, dask_client
from disputelib.cli.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from disputelib.paths import check_outputs, named_file
from disputelib.policy import load_dispute_pack
from disputelib.scenario import DEFAULT_SCENARIO, ScenarioError, available_scenarios, load_scenario
from disputelib.simulate import simulate, write_simulation
from disputelib.simulate.run import SIMULATION_FILES

NAME = "simulate"
HELP = "simulate orders and disputes from a seed: DIR/orders.parquet, events.parquet, disputes.parquet"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", required=True, type=whole_number(0), metavar="N", help="orders to simulate")
    parser.add_argument("--seed", required=True, type=whole_number(0), metavar="S", help="random seed (same seed, same data)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    parser.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        metavar="NAME|PATH",
        help=f"scenario: {', '.join(available_scenarios())}, or a .toml file (default: {DEFAULT_SCENARIO})",
    )
    add_pack(parser)
    parser.add_argument(
        "--start", default="2026-01-01", type=date_arg, metavar="YYYY-MM-DD", help="first day orders are placed"
    )
    add_engine(parser)


def run(args: argparse.Namespace) -> int:
    dask = check_engine(args)
    inputs = {"scenario": named_file(args.scenario, "scenario"), "pack": named_file(args.pack, "rule pack")}
    replaces = ("orders", "events", "disputes") if dask else SIMULATION_FILES
    check_outputs(inputs, {"--out": args.out}, folders=True, replaces=replaces)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise UserError(str(exc)) from None
    pack = load_dispute_pack(args.pack)
    if dask:
        return run_dask(args, scenario, pack)
    began = time.perf_counter()
    try:
        with terminate_as_interrupt():
            print(f"simulating {args.orders} orders ({scenario.name}, {pack.name}, seed {args.seed}) ...",
                  file=sys.stderr, flush=True)  # fmt: skip
            sim = simulate(args.orders, args.seed, scenario=scenario, pack=pack, start=str(args.start))
            print(f"writing orders, events and disputes to {args.out} ...", file=sys.stderr, flush=True)
            write_simulation(sim, args.out)
    except Terminated:
        print(f"disputelib {NAME}: terminated (SIGTERM); {args.out} was left as it was", file=sys.stderr)
        return EXIT_TERMINATED
    counts = {"orders": len(sim.orders), "disputes": len(sim.disputes), "events": len(sim.events)}
    return _done(args, counts, began, sim.scenario, sim.pack)


def run_dask(args: argparse.Namespace, scenario, pack) -> int:
    """``--engine dask``: a task per block of 65,536 orders, written as DIR/orders/, events/, disputes/."""
    began = time.perf_counter()
    try:
        with terminate_as_interrupt(), dask_client(args) as client:
            from disputelib import distributed

            print(f"simulating {args.orders} orders ({scenario.name}, {pack.name}, seed {args.seed}) into "
                  f"Parquet datasets in {args.out} ...", file=sys.stderr, flush=True)  # fmt: skip
            counts = distributed.simulate(
                client,
                args.orders,
                args.seed,
                args.out,
                scenario,
                pack,
                str(args.start),
                show_progress=sys.stderr.isatty(),
            )
    except Terminated:
        print(f"disputelib {NAME}: terminated (SIGTERM); {args.out} was left as it was", file=sys.stderr)
        return EXIT_TERMINATED
    return _done(args, counts, began, scenario.name, pack.name)


def _done(args: argparse.Namespace, counts: dict[str, int], began: float, scenario: str, pack: str) -> int:
    """The summary line of a finished simulation, whichever engine ran it."""
    seconds = time.perf_counter() - began
    print(
        f"simulated {counts['orders']} orders, {counts['disputes']} disputes, {counts['events']} events "
        f"in {seconds:.1f} seconds ({scenario}, {pack}, seed {args.seed}) into {args.out}",
        file=sys.stderr,
    )
    return 0

"""Qt-free audio: conversion to the model's input format, voice activity detection, capture, the
start and stop cues."""
